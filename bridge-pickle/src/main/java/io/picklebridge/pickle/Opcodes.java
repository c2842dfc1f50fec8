package io.picklebridge.pickle;

/**
 * Pickle opcodes, as named in CPython's {@code Lib/pickle.py}; {@link PickleException#opcode()}
 * reports one of these.
 *
 * <pre>{@code
 * catch (PickleException e) {
 *     if (e.opcode() == Opcodes.REDUCE) log.warn("refused call: {}", Opcodes.describe(e.opcode()));
 * }
 * }</pre>
 */
public final class Opcodes {
    private Opcodes() {}

    public static final int MARK = '(';
    public static final int STOP = '.';
    public static final int POP = '0';
    public static final int POP_MARK = '1';
    public static final int DUP = '2';
    public static final int FLOAT = 'F';
    public static final int INT = 'I';
    public static final int BININT = 'J';
    public static final int BININT1 = 'K';
    public static final int LONG = 'L';
    public static final int BININT2 = 'M';
    public static final int NONE = 'N';
    public static final int PERSID = 'P';
    public static final int BINPERSID = 'Q';
    public static final int REDUCE = 'R';
    public static final int STRING = 'S';
    public static final int BINSTRING = 'T';
    public static final int SHORT_BINSTRING = 'U';
    public static final int UNICODE = 'V';
    public static final int BINUNICODE = 'X';
    public static final int APPEND = 'a';
    public static final int BUILD = 'b';
    public static final int GLOBAL = 'c';
    public static final int DICT = 'd';
    public static final int EMPTY_DICT = '}';
    public static final int APPENDS = 'e';
    public static final int GET = 'g';
    public static final int BINGET = 'h';
    public static final int INST = 'i';
    public static final int LONG_BINGET = 'j';
    public static final int LIST = 'l';
    public static final int EMPTY_LIST = ']';
    public static final int OBJ = 'o';
    public static final int PUT = 'p';
    public static final int BINPUT = 'q';
    public static final int LONG_BINPUT = 'r';
    public static final int SETITEM = 's';
    public static final int TUPLE = 't';
    public static final int EMPTY_TUPLE = ')';
    public static final int SETITEMS = 'u';
    public static final int BINFLOAT = 'G';
    // protocol 2
    public static final int PROTO = 0x80;
    public static final int NEWOBJ = 0x81;
    public static final int EXT1 = 0x82;
    public static final int EXT2 = 0x83;
    public static final int EXT4 = 0x84;
    public static final int TUPLE1 = 0x85;
    public static final int TUPLE2 = 0x86;
    public static final int TUPLE3 = 0x87;
    public static final int NEWTRUE = 0x88;
    public static final int NEWFALSE = 0x89;
    public static final int LONG1 = 0x8a;
    public static final int LONG4 = 0x8b;
    // protocol 3
    public static final int BINBYTES = 'B';
    public static final int SHORT_BINBYTES = 'C';
    // protocol 4
    public static final int SHORT_BINUNICODE = 0x8c;
    public static final int BINUNICODE8 = 0x8d;
    public static final int BINBYTES8 = 0x8e;
    public static final int EMPTY_SET = 0x8f;
    public static final int ADDITEMS = 0x90;
    public static final int FROZENSET = 0x91;
    public static final int NEWOBJ_EX = 0x92;
    public static final int STACK_GLOBAL = 0x93;
    public static final int MEMOIZE = 0x94;
    public static final int FRAME = 0x95;
    // protocol 5
    public static final int BYTEARRAY8 = 0x96;
    public static final int NEXT_BUFFER = 0x97;
    public static final int READONLY_BUFFER = 0x98;

    /** A readable name for an opcode byte, e.g. {@code BINUNICODE (0x58 'X')}. */
    public static String describe(int opcode) {
        String name = name(opcode);
        String hex = String.format("0x%02x", opcode & 0xff);
        if (opcode >= 0x20 && opcode < 0x7f) return name + " (" + hex + " '" + (char) opcode + "')";
        return name + " (" + hex + ")";
    }

    static String name(int opcode) {
        for (var field : Opcodes.class.getFields()) {
            try {
                if (field.getType() == int.class && field.getInt(null) == opcode) return field.getName();
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
        return "unknown opcode";
    }
}
