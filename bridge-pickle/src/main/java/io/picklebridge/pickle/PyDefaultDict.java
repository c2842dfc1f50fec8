package io.picklebridge.pickle;

import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * A Python {@code collections.defaultdict}: an ordered map plus its {@code default_factory},
 * which is only a name ({@link PyGlobal}, e.g. {@code builtins.list}) or null, never run.
 *
 * <pre>{@code
 * PyDefaultDict d = new PyDefaultDict(new PyGlobal("builtins", "list"));
 * d.put("a", new ArrayList<>(List.of(1L)));
 * codec.dumps(d);   // python: defaultdict(<class 'list'>, {'a': [1]})
 * }</pre>
 */
public class PyDefaultDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;
    private final Object defaultFactory;

    /** @param defaultFactory usually a {@link PyGlobal}; null for {@code defaultdict(None)} */
    public PyDefaultDict(Object defaultFactory) {
        this.defaultFactory = defaultFactory;
    }

    public Object defaultFactory() {
        return defaultFactory;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && (!(o instanceof PyDefaultDict d) || Objects.equals(defaultFactory, d.defaultFactory));
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }

    @Override
    public String toString() {
        return "defaultdict(" + PyRepr.of(defaultFactory) + ", " + super.toString() + ")";
    }
}
