package io.picklebridge.server.registry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Suggests registered names close to a misspelt one (Levenshtein distance), for the
 * {@code NameError} of an unknown worker.
 *
 * <pre>{@code
 * CloseNames.suggest("sys.ech", List.of("sys.echo", "sys.ping"), 3);   // [sys.echo]
 * }</pre>
 */
final class CloseNames {
    private CloseNames() {}

    static List<String> suggest(String wanted, Collection<String> names, int max) {
        int limit = Math.max(2, wanted.length() / 3);
        List<String[]> scored = new ArrayList<>();
        for (String name : names) {
            int d = distance(wanted.toLowerCase(java.util.Locale.ROOT), name.toLowerCase(java.util.Locale.ROOT));
            boolean sameMethodOtherGroup = suffix(name).equals(suffix(wanted));
            if (d <= limit || sameMethodOtherGroup) scored.add(new String[] {name, Integer.toString(d)});
        }
        scored.sort(Comparator.comparingInt((String[] s) -> Integer.parseInt(s[1])).thenComparing(s -> s[0]));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < scored.size() && i < max; i++) out.add(scored.get(i)[0]);
        return out;
    }

    private static String suffix(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(dot + 1);
    }

    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
