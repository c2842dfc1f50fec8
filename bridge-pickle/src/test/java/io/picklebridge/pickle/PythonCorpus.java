package io.picklebridge.pickle;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The pickles a corpus script ({@code corpus.py}, {@code corpus_py2.py}) writes: per case and
 * protocol, three frames (name, {@code ok <protocol>} or {@code skip <protocol> <reason>}, pickle).
 *
 * <pre>{@code
 * for (PythonCorpus.Entry e : PythonCorpus.read(PythonProcess.PYTHON3, "corpus.py")) codec.loads(e.pickle());
 * }</pre>
 */
final class PythonCorpus {
    private PythonCorpus() {}

    /** One pickled case; {@code skipReason} is null when Python pickled it. */
    record Entry(String name, int protocol, String skipReason, byte[] pickle) {
        boolean skipped() {
            return skipReason != null;
        }

        @Override
        public String toString() {
            return name + " @ protocol " + protocol;
        }
    }

    static List<Entry> read(String interpreter, String script, String... args) {
        List<byte[]> frames = PythonProcess.runToCompletion(interpreter, script, args);
        if (frames.size() % 3 != 0) throw new AssertionError("corpus frames come in threes, got " + frames.size());
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < frames.size(); i += 3) {
            String name = new String(frames.get(i), StandardCharsets.UTF_8);
            String[] status = new String(frames.get(i + 1), StandardCharsets.UTF_8).split(" ", 3);
            int protocol = Integer.parseInt(status[1]);
            entries.add(new Entry(name, protocol, status[0].equals("ok") ? null : status[2], frames.get(i + 2)));
        }
        return entries;
    }
}
