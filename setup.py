"""The wheel's packages: jydesk and sync, plus the repository's top-level forms/ and resources/
folders shipped inside jydesk as ``jydesk/_data/forms`` and ``jydesk/_data/resources``
(found by jydesk/paths.py). Everything else is in pyproject.toml; the package list lives here
because pyproject.toml cannot combine found packages with mapped ones.
"""

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = {"jydesk._data.forms": "forms", "jydesk._data.resources": "resources"}

setup(
    packages=[*find_namespace_packages(include=["jydesk*", "sync*"]), *DATA_PACKAGES],
    package_dir=DATA_PACKAGES,
)
