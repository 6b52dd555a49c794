"""The wheel's packages: jydesk and sync, plus the repository's top-level forms/ and resources/
folders shipped inside jydesk as ``jydesk/_data/forms`` and ``jydesk/_data/resources``
(found by jydesk/paths.py; their files are listed in pyproject.toml's package-data). Everything
else is in pyproject.toml; the package list lives here because pyproject.toml cannot combine
found packages with mapped ones.
"""

import os

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = {"jydesk._data.forms": "forms", "jydesk._data.resources": "resources"}


def data_packages() -> list[str]:
    """Each mapped folder and its subfolders (resources/fonts …) as packages, so setuptools
    does not warn that it would leave them out."""
    found = []
    for package, folder in DATA_PACKAGES.items():
        for path, _dirs, _files in os.walk(folder):
            rel = os.path.relpath(path, folder)
            found.append(package if rel == "." else f"{package}.{rel.replace(os.sep, '.')}")
    return found


setup(
    packages=[*find_namespace_packages(include=["jydesk*", "sync*"]), *data_packages()],
    package_dir=DATA_PACKAGES,
)
