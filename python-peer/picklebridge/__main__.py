"""``python -m picklebridge COMMAND ...``.

Commands:

``serve``
    serve Python functions as picklebridge workers (see :mod:`picklebridge.serve`)::

        python -m picklebridge serve --stdio statistics mymodule:score
"""

import sys
from typing import List, Optional

USAGE = """usage: python -m picklebridge COMMAND [ARGS...]

commands:
  serve    serve Python functions as picklebridge workers (python -m picklebridge serve -h)
"""


def main(argv: Optional[List[str]] = None) -> int:
    """Dispatch to a subcommand; return the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.stderr.write(USAGE)
        return 2
    if argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "serve":
        from picklebridge.serve import run
        run(rest)  # ends the process
    sys.stderr.write("unknown command %r\n\n%s" % (command, USAGE))
    return 2


if __name__ == "__main__":
    sys.exit(main())
