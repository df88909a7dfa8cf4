#!/usr/bin/env bash
# While nothing is deployed, the schema is one initial migration, regenerated from the models.
# Once a release ships, add migrations instead (alembic revision --autogenerate).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f alembic/versions/*_initial_schema.py /tmp/pr-regen.db
DATABASE_URL=sqlite:////tmp/pr-regen.db .venv/bin/alembic revision --autogenerate -m "initial schema" --rev-id 0001 >/dev/null
f=alembic/versions/0001_initial_schema.py
python3 - "$f" <<'PY'
import sys, re
p = sys.argv[1]
s = open(p).read()
s = s.replace("import sqlmodel\n", "import sqlmodel\n\nimport practicerunner.core.db\n", 1)
upgrade_tail = '''
    # No clinician double-booked, enforced by the database itself (see scheduling.constraints).
    for statement in conflict_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    # The audit log is append-only: refuse UPDATE and DELETE, and start the chain.
    for statement in append_only_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '%s')" % ("0" * 64))
'''
s = s.replace("    # ### end Alembic commands ###\n", "    # ### end Alembic commands ###\n" + upgrade_tail, 1)
s = s.replace("from alembic import op\n", "from alembic import op\n\nfrom practicerunner.core.audit import append_only_ddl\nfrom practicerunner.scheduling.constraints import conflict_ddl\n", 1)
open(p, "w").write(s)
PY
.venv/bin/ruff format -q "$f"
.venv/bin/ruff check -q --fix "$f" || true
echo "regenerated $f"
