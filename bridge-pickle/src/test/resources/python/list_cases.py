"""Write the case names a checker script knows, one frame each: ``python3 list_cases.py MODULE``."""
import importlib
import sys

from pbframes import write_frame


def main(module_name):
    module = importlib.import_module(module_name)
    for name in module.EXPECTED:
        write_frame(name.encode())
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main(sys.argv[1])
