"""Exit 0 when every `name==version` pin of a requirements file is installed in this Python.

The setup scripts run it with their venv's interpreter to skip pip (and the network) when
nothing needs installing.
"""
import sys
from importlib.metadata import PackageNotFoundError, version

for line in open(sys.argv[1]):
    line = line.split('#', 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition('==')
    try:
        have = version(name.strip())
    except PackageNotFoundError:
        sys.exit(1)
    if want and have != want.strip():
        sys.exit(1)
