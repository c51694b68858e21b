"""Ship the top-level resources/ folder inside the wheel as the package data folder calclab/resources.

Everything else about the build is in pyproject.toml; this file only adds the one mapping that pyproject's
`packages.find` cannot express (a folder outside calclab/ installed as calclab.resources).
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["calclab", "calclab.*"]), "calclab.resources"],
    package_dir={"calclab.resources": "resources"},
    package_data={"calclab.resources": ["*", "**/*"]},
)
