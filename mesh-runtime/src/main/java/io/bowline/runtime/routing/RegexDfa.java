package io.bowline.runtime.routing;

import io.bowline.runtime.routing.RegexSubsetParser.Alt;
import io.bowline.runtime.routing.RegexSubsetParser.Chars;
import io.bowline.runtime.routing.RegexSubsetParser.Concat;
import io.bowline.runtime.routing.RegexSubsetParser.Node;
import io.bowline.runtime.routing.RegexSubsetParser.Repeat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deterministic automaton answering the RE2 full-match question for a regex in the
 * {@link RegexSubsetParser} subset over ASCII input: one table read per character, no allocation,
 * no backtracking. Built at config-compile time (Thompson construction, then subset construction
 * over the pattern's character classes). {@link #compile} returns {@code null} when the pattern is
 * outside the subset or the automaton would exceed {@value #MAX_DFA_STATES} states; a non-ASCII
 * input character makes {@link #match} answer {@link #UNDECIDED}. In both cases the caller asks
 * re2j, which stays the reference semantics (checked against it by a property test).
 */
final class RegexDfa {
  static final int NO_MATCH = 0;
  static final int MATCH = 1;
  static final int UNDECIDED = -1;
  /** The start state's offset. */
  static final int START = 0;

  private static final int MAX_NFA_STATES = 4096;
  private static final int MAX_DFA_STATES = 512;

  private final byte[] classOf;
  /**
   * States are numbered by their row's offset ({@code index * classes}), so a step is one add and
   * one read: {@code next[state + class]} is the next state's offset, -1 for the dead state.
   */
  private final int[] next;
  /** By row offset: whether the state accepts. */
  private final boolean[] accepting;
  private final int states;

  private RegexDfa(byte[] classOf, int[] next, boolean[] accepting, int states) {
    this.classOf = classOf;
    this.next = next;
    this.accepting = accepting;
    this.states = states;
  }

  /** The automaton of an RE2 pattern re2j accepted, or {@code null} (outside the subset, too large). */
  static RegexDfa compile(String regex) {
    Node tree = RegexSubsetParser.parse(regex);
    if (tree == null) {
      return null;
    }
    Nfa nfa = new Nfa();
    int first = nfa.build(tree, Nfa.ACCEPT);
    return first < 0 ? null : determinize(nfa, first);
  }

  /**
   * Whether all of {@code s[0, end)} matches: {@link #MATCH}, {@link #NO_MATCH}, or
   * {@link #UNDECIDED} if a non-ASCII character is reached before the answer is known.
   */
  int match(String s, int end) {
    return match(s, 0, end, START);
  }

  /**
   * As {@link #match(String, int)} for {@code s[from, end)} read from {@code state} (the start
   * state, or one {@link #after} returned): lets a caller that has already checked a literal
   * prefix skip reading it again.
   */
  int match(String s, int from, int end, int state) {
    int[] next = this.next;
    byte[] classOf = this.classOf;
    for (int i = from; i < end; i++) {
      char c = s.charAt(i);
      if (c >= 128) {
        return UNDECIDED;
      }
      state = next[state + classOf[c]];
      if (state < 0) {
        return NO_MATCH;
      }
    }
    return accepting[state] ? MATCH : NO_MATCH;
  }

  /**
   * The state reached from the start by reading all of {@code prefix} ({@link #START} for
   * {@code ""}), or -1 if no match can start with it or it is not ASCII.
   */
  int after(String prefix) {
    int state = START;
    for (int i = 0; i < prefix.length() && state >= 0; i++) {
      char c = prefix.charAt(i);
      if (c >= 128) {
        return -1;
      }
      state = next[state + classOf[c]];
    }
    return state;
  }

  /** The number of states (for tests). */
  int states() {
    return states;
  }

  private static RegexDfa determinize(Nfa nfa, int first) {
    // Character classes: ASCII characters no pattern set tells apart share a column.
    List<Chars> distinct = new ArrayList<>();
    for (Chars set : nfa.sets) {
      if (set != null && !distinct.contains(set)) {
        distinct.add(set);
      }
    }
    byte[] classOf = new byte[128];
    List<Integer> representatives = new ArrayList<>();
    Map<BitSet, Integer> bySignature = new HashMap<>();
    for (char c = 0; c < 128; c++) {
      BitSet signature = new BitSet();
      for (int j = 0; j < distinct.size(); j++) {
        if (distinct.get(j).contains(c)) {
          signature.set(j);
        }
      }
      Integer id = bySignature.get(signature);
      if (id == null) {
        id = representatives.size();
        bySignature.put(signature, id);
        representatives.add((int) c);
      }
      classOf[c] = (byte) (int) id;
    }
    int classes = representatives.size();
    Map<List<Integer>, Integer> ids = new HashMap<>();
    List<List<Integer>> members = new ArrayList<>();
    List<Integer> startSet = nfa.closure(List.of(first));
    ids.put(startSet, 0);
    members.add(startSet);
    List<int[]> rows = new ArrayList<>();
    ArrayDeque<Integer> work = new ArrayDeque<>(List.of(0));
    while (!work.isEmpty()) {
      int d = work.poll();
      int[] row = new int[classes];
      for (int k = 0; k < classes; k++) {
        int c = representatives.get(k);
        List<Integer> targets = new ArrayList<>();
        for (int s : members.get(d)) {
          Chars set = nfa.sets.get(s);
          if (set != null && set.contains(c)) {
            targets.add(nfa.outs.get(s)[0]);
          }
        }
        List<Integer> to = nfa.closure(targets);
        if (to.isEmpty()) {
          row[k] = -1;
          continue;
        }
        Integer id = ids.get(to);
        if (id == null) {
          if (members.size() == MAX_DFA_STATES) {
            return null;
          }
          id = members.size();
          ids.put(to, id);
          members.add(to);
          work.add(id);
        }
        row[k] = id;
      }
      while (rows.size() <= d) {
        rows.add(null);
      }
      rows.set(d, row);
    }
    int[] next = new int[members.size() * classes];
    boolean[] accepting = new boolean[next.length];
    for (int d = 0; d < members.size(); d++) {
      int[] row = rows.get(d);
      for (int k = 0; k < classes; k++) {
        next[d * classes + k] = row[k] < 0 ? -1 : row[k] * classes;
      }
      accepting[d * classes] = members.get(d).contains(Nfa.ACCEPT);
    }
    return new RegexDfa(classOf, next, accepting, members.size());
  }

  /**
   * A Thompson automaton: state 0 accepts; a state with a character set moves on one character of
   * the set to {@code outs[0]}; any other state moves without input to each of its {@code outs}.
   */
  private static final class Nfa {
    static final int ACCEPT = 0;
    final List<Chars> sets = new ArrayList<>();
    final List<int[]> outs = new ArrayList<>();

    Nfa() {
      add(null, new int[0]);
    }

    private int add(Chars set, int[] out) {
      sets.add(set);
      outs.add(out);
      return sets.size() - 1;
    }

    /** The first state of {@code n} followed by {@code next}, or -1 if the automaton grows too large. */
    int build(Node n, int next) {
      if (next < 0 || sets.size() > MAX_NFA_STATES) {
        return -1;
      }
      if (n instanceof Chars c) {
        return add(c, new int[] {next});
      }
      if (n instanceof Concat c) {
        for (int i = c.items().size() - 1; i >= 0; i--) {
          next = build(c.items().get(i), next);
        }
        return next;
      }
      if (n instanceof Alt a) {
        int[] firsts = new int[a.items().size()];
        for (int i = 0; i < firsts.length; i++) {
          firsts[i] = build(a.items().get(i), next);
          if (firsts[i] < 0) {
            return -1;
          }
        }
        return add(null, firsts);
      }
      Repeat r = (Repeat) n;
      int cur = next;
      if (r.max() < 0) {
        int[] loop = new int[2];
        cur = add(null, loop);
        loop[0] = build(r.item(), cur);
        loop[1] = next;
        if (loop[0] < 0) {
          return -1;
        }
      } else {
        for (int k = 0; k < r.max() - r.min() && cur >= 0; k++) {
          cur = add(null, new int[] {build(r.item(), cur), next});
          if (outs.get(cur)[0] < 0) {
            return -1;
          }
        }
      }
      for (int k = 0; k < r.min() && cur >= 0; k++) {
        cur = build(r.item(), cur);
      }
      return cur;
    }

    /** The character states and the accepting state reachable without input, sorted. */
    List<Integer> closure(List<Integer> from) {
      BitSet seen = new BitSet();
      ArrayDeque<Integer> stack = new ArrayDeque<>(from);
      while (!stack.isEmpty()) {
        int s = stack.pop();
        if (seen.get(s)) {
          continue;
        }
        seen.set(s);
        if (sets.get(s) == null) {
          for (int o : outs.get(s)) {
            stack.push(o);
          }
        }
      }
      List<Integer> important = new ArrayList<>();
      for (int s = seen.nextSetBit(0); s >= 0; s = seen.nextSetBit(s + 1)) {
        if (s == ACCEPT || sets.get(s) != null) {
          important.add(s);
        }
      }
      return important;
    }
  }
}
