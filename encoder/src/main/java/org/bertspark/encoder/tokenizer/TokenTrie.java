package org.bertspark.encoder.tokenizer;

import java.util.Arrays;

/**
 * A character trie over a vocabulary's tokens (their UTF-16 units), so that tokenizers find the tokens that start a
 * text at some position without building a substring per candidate. Immutable, thread-safe.
 */
final class TokenTrie {
  /** The root node. */
  static final int ROOT = 0;

  // An edge (node, char) -> child lives in an open-addressing table keyed by node << 16 | char, where child 0 marks
  // a free slot (the root is nobody's child).
  private final long[] edgeKeys;
  private final int[] edgeChildren;
  private final int edgeMask;
  private final int edgeShift;
  private final int[] nodeToken;

  /** The trie of {@code tokens}, each ending at a node that gives its index (the last index of a repeated token). */
  TokenTrie(String[] tokens) {
    long chars = 0;
    for (String t : tokens) {
      chars += t.length();
    }
    // At most one edge per token character: a table twice that size stays at most half full.
    int capacity = Integer.highestOneBit((int) Math.min(1 << 27, Math.max(8, chars))) << 2;
    edgeKeys = new long[capacity];
    edgeChildren = new int[capacity];
    edgeMask = capacity - 1;
    edgeShift = 64 - Integer.numberOfTrailingZeros(capacity);
    int[] nodeTokens = new int[(int) chars + 1];
    Arrays.fill(nodeTokens, -1);
    int nodes = 1;
    for (int id = 0; id < tokens.length; id++) {
      int node = ROOT;
      String t = tokens[id];
      for (int i = 0; i < t.length(); i++) {
        int child = child(node, t.charAt(i));
        if (child < 0) {
          child = nodes++;
          addEdge(node, t.charAt(i), child);
        }
        node = child;
      }
      nodeTokens[node] = id;
    }
    nodeToken = Arrays.copyOf(nodeTokens, nodes);
  }

  /** The node reached from {@code node} by {@code c}, or -1. */
  int child(int node, char c) {
    long key = (long) node << 16 | c;
    for (int slot = slot(key); ; slot = (slot + 1) & edgeMask) {
      int child = edgeChildren[slot];
      if (child == 0) {
        return -1;
      }
      if (edgeKeys[slot] == key) {
        return child;
      }
    }
  }

  /** The index of the token that ends at {@code node}, or -1 when none does. */
  int token(int node) {
    return nodeToken[node];
  }

  private void addEdge(int node, char c, int child) {
    long key = (long) node << 16 | c;
    int slot = slot(key);
    while (edgeChildren[slot] != 0) {
      slot = (slot + 1) & edgeMask;
    }
    edgeKeys[slot] = key;
    edgeChildren[slot] = child;
  }

  private int slot(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> edgeShift); // Fibonacci hashing: the top bits mix best
  }
}
