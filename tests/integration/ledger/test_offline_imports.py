"""Third parties verify with no database driver or storage code loaded."""

import subprocess
import sys

import pytest

from tests.support import REPO

pytestmark = pytest.mark.integration


def test_verify_functions_import_without_touching_storage():
    code = (
        "import sys; from app.ledger.verify import verify_inclusion, verify_consistency, "
        "verify_bundle; "
        "storage = ('sqlalchemy', 'psycopg', 'app.storage'); "
        "loaded = [m for m in sys.modules if m.startswith(storage)]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
