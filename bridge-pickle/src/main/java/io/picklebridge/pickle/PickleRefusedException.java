package io.picklebridge.pickle;

/**
 * The pickle asks for something the codec will not do: an unhashable dict key or set member
 * (as Python refuses it), EXT or PERSID opcodes without a registered resolver, a value whose
 * Java class has no encoding, a callable that is not a named global.
 *
 * <pre>{@code
 * codec.loads(pickleOfFrozensetOfLists);   // throws PickleRefusedException: unhashable type: 'list'
 * }</pre>
 */
public class PickleRefusedException extends PickleException {
    private static final long serialVersionUID = 1L;

    public PickleRefusedException(String message, long offset, int opcode) {
        super(message, offset, opcode);
    }

    public PickleRefusedException(String message) {
        super(message);
    }
}
