/**
 * The forms of a resource URI the access rules check. A server may resolve
 * `..` and percent-escapes before it reads (a filesystem server does), so a
 * rule checked on the URI as written alone would be passed by
 * `file:///data/public/../secret` under `allow: ["file:///data/public/*"]`.
 * Each form a server could read the URI as is checked, and the URI is allowed
 * only when every form is: the text as sent, the URL parser's reading of it
 * (dot segments, `%2e` among them, resolved; scheme and host lowercased), and
 * the same after one round of percent-decoding (`..%2Fsecret`).
 *
 * @example
 *   uriForms("file:///data/public/..%2Fsecret")
 *   // ["file:///data/public/..%2Fsecret", "file:///data/secret"]
 */

export function uriForms(uri: string): string[] {
  const forms = [uri];
  const add = (form: string | undefined) => {
    if (form !== undefined && !forms.includes(form)) forms.push(form);
  };
  add(parsed(uri));
  add(parsed(decoded(uri)));
  return forms;
}

/** The WHATWG URL parser's form of `text`; undefined when it is no URL. */
function parsed(text: string | undefined): string | undefined {
  if (text === undefined || !URL.canParse(text)) return undefined;
  return new URL(text).href;
}

/** `text` with its percent-escapes decoded once; undefined when one is malformed. */
function decoded(text: string): string | undefined {
  if (!text.includes("%")) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
