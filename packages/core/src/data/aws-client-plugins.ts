/**
 * A hook through which the local runtime adds SDK middleware (its IAM check) to every client core creates, without
 * the deployed code importing anything local. Deployed, nothing ever registers a plugin: `withClientPlugins` reads
 * one absent global and returns the client untouched. The registry lives on `globalThis` under a `Symbol.for` key so
 * that every copy of this module (a bundle, a second module graph) sees the same one.
 */
const REGISTRY = Symbol.for('toolgate.aws-client-plugins');

/** A smithy `Pluggable`, typed loosely: one plugin serves every client, whatever its input and output types. */
export interface ClientPlugin {
  applyToStack(stack: never): void;
}
type Registry = { [REGISTRY]?: ClientPlugin[] };

interface PluggableClient {
  middlewareStack: { use(plugin: never): void };
}

/** Adds the registered plugins (none when deployed) to a client created by core; returns the same client. */
export function withClientPlugins<C extends PluggableClient>(client: C): C {
  const plugins = (globalThis as Registry)[REGISTRY];
  if (plugins) for (const plugin of plugins) client.middlewareStack.use(plugin as never);
  return client;
}

/**
 * Registers a plugin for the clients created from now on (register before the code that creates them is imported).
 * Returns its removal, which affects only clients created after it.
 */
export function registerClientPlugin(plugin: ClientPlugin): () => void {
  const registry = globalThis as Registry;
  registry[REGISTRY] ??= [];
  registry[REGISTRY].push(plugin);
  return () => {
    const plugins = registry[REGISTRY] ?? [];
    const at = plugins.indexOf(plugin);
    if (at >= 0) plugins.splice(at, 1);
    if (plugins.length === 0) delete registry[REGISTRY];
  };
}
