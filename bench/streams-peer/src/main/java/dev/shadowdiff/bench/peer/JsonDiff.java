package dev.shadowdiff.bench.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A field-by-field comparison of two parsed JSON values, with no rules: what the joiner does on the
 * benchmark's data. Objects are compared key by key, arrays index by index, numbers by value (1 and
 * 1.0 are equal, as in JavaScript); each difference has a path, a kind and the two values.
 */
final class JsonDiff {
  private JsonDiff() {}

  static ArrayNode differences(JsonNode oldValue, JsonNode newValue) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    // The common case first: equal trees need no walk.
    if (oldValue.equals(newValue)) return out;
    walk(oldValue, newValue, new ArrayList<>(), out);
    return out;
  }

  private static void walk(JsonNode a, JsonNode b, List<Object> path, ArrayNode out) {
    if (a.isObject() && b.isObject()) {
      for (Map.Entry<String, JsonNode> field : a.properties()) {
        path.add(field.getKey());
        JsonNode other = b.get(field.getKey());
        if (other != null) walk(field.getValue(), other, path, out);
        else add(out, path, "removed", field.getValue(), null);
        path.remove(path.size() - 1);
      }
      for (Map.Entry<String, JsonNode> field : b.properties()) {
        if (!a.has(field.getKey())) {
          path.add(field.getKey());
          add(out, path, "added", null, field.getValue());
          path.remove(path.size() - 1);
        }
      }
      return;
    }
    if (a.isArray() && b.isArray()) {
      int shared = Math.min(a.size(), b.size());
      for (int i = 0; i < shared; i += 1) {
        path.add(i);
        walk(a.get(i), b.get(i), path, out);
        path.remove(path.size() - 1);
      }
      for (int i = shared; i < a.size(); i += 1) {
        path.add(i);
        add(out, path, "removed", a.get(i), null);
        path.remove(path.size() - 1);
      }
      for (int i = shared; i < b.size(); i += 1) {
        path.add(i);
        add(out, path, "added", null, b.get(i));
        path.remove(path.size() - 1);
      }
      return;
    }
    if (a.isNumber() && b.isNumber()) {
      if (a.doubleValue() != b.doubleValue()) add(out, path, "changed", a, b);
      return;
    }
    if (a.getNodeType() != b.getNodeType()) {
      add(out, path, "type_changed", a, b);
      return;
    }
    if (!a.equals(b)) add(out, path, "changed", a, b);
  }

  private static void add(ArrayNode out, List<Object> path, String kind, JsonNode oldValue, JsonNode newValue) {
    ObjectNode difference = out.addObject();
    difference.put("path", format(path));
    difference.put("kind", kind);
    if (oldValue != null) difference.set("old", oldValue);
    if (newValue != null) difference.set("new", newValue);
  }

  private static String format(List<Object> path) {
    StringBuilder text = new StringBuilder();
    for (Object segment : path) {
      if (segment instanceof Integer) text.append('[').append(segment).append(']');
      else {
        if (text.length() > 0) text.append('.');
        text.append(segment);
      }
    }
    return text.toString();
  }
}
