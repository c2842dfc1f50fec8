"""Functions registered with ``@picklebridge.expose``."""

import picklebridge


@picklebridge.expose
def triple(x):
    return 3 * x


@picklebridge.expose(name="pricing.quote")
def quote(symbol, quantity=1):
    return {"symbol": symbol, "total": 2.5 * quantity}


@picklebridge.expose("_hidden_but_exposed")
def _hidden(x):
    return -x


def plain(x):
    return x
