package io.bowline.runtime.staticconfig;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * YAML text to a JSON tree with snakeyaml's safe constructor (no arbitrary types). snakeyaml is an
 * optional dependency: nothing may load this class unless the caller has checked that the library is
 * there, since linking it loads snakeyaml's classes.
 */
final class YamlTree {

  private YamlTree() {}

  /** @throws StaticConfigException naming {@code source} if the text is not YAML */
  static JsonElement toJson(String text, String source) {
    Object tree;
    try {
      tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (YAMLException e) {
      throw new StaticConfigException(source + ": not valid YAML/JSON: " + e.getMessage(), e);
    }
    return new Gson().toJsonTree(tree);
  }
}
