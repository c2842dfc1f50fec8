package io.picklebridge.pickle;

import java.util.Objects;

/**
 * A reference to a Python global (a class or function) that appears as a value, e.g. the
 * {@code list} factory of {@code defaultdict(list)} or a class passed as an argument. It is
 * only a name: decoding one never loads or runs anything, and encoding one writes the same
 * name back.
 *
 * <pre>{@code
 * PyGlobal factory = new PyGlobal("builtins", "list");
 * factory.qualifiedName();   // "builtins.list"
 * }</pre>
 *
 * @param module   the module, as Python 3 names it (Python 2 names are mapped)
 * @param qualname the qualified name inside the module, e.g. {@code Outer.Inner}
 */
public record PyGlobal(String module, String qualname) {
    public PyGlobal {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(qualname, "qualname");
    }

    /** {@code module.qualname}. */
    public String qualifiedName() {
        return module + "." + qualname;
    }

    @Override
    public String toString() {
        return "<global " + qualifiedName() + ">";
    }
}
