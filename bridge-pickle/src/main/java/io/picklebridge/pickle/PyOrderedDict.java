package io.picklebridge.pickle;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Python {@code collections.OrderedDict}. Plain dicts are already ordered {@code LinkedHashMap}s;
 * this subclass only records that Python had an OrderedDict, so it is written back as one.
 *
 * <pre>{@code
 * PyOrderedDict d = new PyOrderedDict();
 * d.put("a", 1L);
 * codec.dumps(d);   // python: OrderedDict([('a', 1)])
 * }</pre>
 */
public class PyOrderedDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;

    public PyOrderedDict() {}

    public PyOrderedDict(Map<?, ?> items) {
        super(items);
    }
}
