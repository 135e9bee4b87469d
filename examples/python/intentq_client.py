#!/usr/bin/python3
"""The command line of the intentq Python package (clients/python), runnable from a checkout
without installing anything. It is `python3 -m intentq` with the package put on sys.path:

    examples/python/intentq_client.py --broker tcp://127.0.0.1:5555 submit echo --param x=1
    examples/python/intentq_client.py --publish tcp://127.0.0.1:5557 watch --topic result. --count 3
    examples/python/intentq_client.py stats

CURVE: --curve-server-key broker.key --curve-secret me.key_secret before the subcommand (or
INTENTQ_CURVE_SERVER_KEY / INTENTQ_CURVE_SECRET). The library itself (intentq.Client,
intentq.AsyncClient) is described in docs/clients.md.
"""

import os
import sys

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                    "clients", "python"))

from intentq.__main__ import main  # noqa: E402

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as command-line tools do. stdout is
        # pointed at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)  # 128 + SIGPIPE, what a shell reports for a tool killed by the signal
    except KeyboardInterrupt:
        sys.exit(130)
