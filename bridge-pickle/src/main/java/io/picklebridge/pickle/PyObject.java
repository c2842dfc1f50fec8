package io.picklebridge.pickle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Python object whose class is not in the codec's allow-list: a dataclass, a {@code __slots__}
 * class, a user class, an Enum member or namedtuple of a user type. Nothing of it is loaded or
 * run; the codec records how the pickle built it, and the Pickler writes that recipe back so
 * Python rebuilds an equal object.
 *
 * <p>The recipe mirrors {@code object.__reduce_ex__}: a callable (the class, or a reconstructor
 * function), the arguments it was called with, then the optional state given to {@code BUILD},
 * list items given to {@code APPEND(S)} and dict items given to {@code SETITEM(S)}.
 *
 * <pre>{@code
 * PyObject point = (PyObject) codec.loads(pickleOfDataclassPoint);
 * point.type().qualifiedName();            // "geometry.Point"
 * ((Map<?, ?>) point.state()).get("x");    // 1L
 * codec.dumps(point);                      // python loads an equal geometry.Point
 * }</pre>
 */
public final class PyObject {
    /** How the pickle created the object; the Pickler writes the same form back. */
    public enum Construction {
        /** {@code callable(*args)} via REDUCE. */
        REDUCE,
        /** {@code cls.__new__(cls, *args)} via NEWOBJ. */
        NEWOBJ,
        /** {@code cls.__new__(cls, *args, **kwargs)} via NEWOBJ_EX. */
        NEWOBJ_EX,
        /**
         * {@code MARK cls *args OBJ}, written back as OBJ: an instance made by INST or OBJ, as
         * Python 2 pickles instances of classic classes. Python (2 and 3) calls {@code cls(*args)},
         * or without arguments makes the instance without calling {@code __init__}.
         */
        OBJ
    }

    private final PyGlobal type;
    private final Construction construction;
    private final PyTuple args;
    private final Map<String, Object> kwargs;
    private Object state;
    private boolean hasState;
    private final List<Object> listItems = new ArrayList<>();
    private final Map<Object, Object> dictItems = new LinkedHashMap<>();

    public PyObject(PyGlobal type, Construction construction, PyTuple args, Map<String, Object> kwargs) {
        this.type = Objects.requireNonNull(type, "type");
        this.construction = Objects.requireNonNull(construction, "construction");
        this.args = Objects.requireNonNull(args, "args");
        this.kwargs = kwargs == null ? Map.of() : kwargs;
    }

    /** The class (or reconstructor function) that builds the object. */
    public PyGlobal type() { return type; }

    public Construction construction() { return construction; }

    /** Positional arguments of the constructor call. */
    public PyTuple args() { return args; }

    /** Keyword arguments (NEWOBJ_EX only; empty otherwise). */
    public Map<String, Object> kwargs() { return kwargs; }

    /**
     * The state given to BUILD: usually a dict of attributes, or a 2-tuple
     * {@code (dict_state, slots_state)} for {@code __slots__} classes; {@code null} if none.
     */
    public Object state() { return state; }

    /** Whether BUILD was applied (state may legitimately be None). */
    public boolean hasState() { return hasState; }

    public void setState(Object state) {
        this.state = state;
        this.hasState = true;
    }

    /** Items appended after construction (list subclasses). Mutable. */
    public List<Object> listItems() { return listItems; }

    /** Items set after construction (dict subclasses). Mutable, insertion-ordered. */
    public Map<Object, Object> dictItems() { return dictItems; }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof PyObject other)) return false;
        return type.equals(other.type) && construction == other.construction && args.equals(other.args)
                && kwargs.equals(other.kwargs) && hasState == other.hasState && Objects.equals(state, other.state)
                && listItems.equals(other.listItems) && dictItems.equals(other.dictItems);
    }

    @Override
    public int hashCode() {
        // args only when hashable (namedtuples, Enum members as keys spread well); never state or
        // items, which may be large, mutable or cyclic
        int h = type.hashCode() * 31 + construction.ordinal();
        return h * 31 + (args.unhashableType() == null ? args.hashCode() : args.size());
    }

    @Override
    public String toString() {
        return "<" + type.qualifiedName() + " args=" + args + (hasState ? " state=" + state : "") + ">";
    }
}
