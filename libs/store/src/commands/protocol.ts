/**
 * What TypeScript knows of a Lua script in this folder, in one module beside its `.lua`: the keys
 * it takes in order, how its arguments are laid out and how its reply reads. The store calls a
 * script only through its protocol (scripts.ts: `run(protocol, input)`), so a script's argument
 * list is encoded in one place and its reply parsed in one place; a test checks that every script
 * has its module and that the two agree on the number of keys.
 */
export interface ScriptProtocol<In, Out> {
  /** The script's name: commands/<name>-<numberOfKeys>.lua. */
  readonly name: string;
  readonly numberOfKeys: number;
  /** KEYS, in the order the script's header lists them. */
  keys(input: In): readonly string[];
  /** ARGV, in the order the script's header lists them. */
  args(input: In): readonly (string | number)[];
  /** The reply, read; a return code becomes its StoreError here. */
  reply(raw: unknown, input: In): Out;
}

/** Declares a script's protocol (an identity that checks the shape and infers its types). */
export function scriptProtocol<In, Out>(protocol: ScriptProtocol<In, Out>): ScriptProtocol<In, Out> {
  return protocol;
}
