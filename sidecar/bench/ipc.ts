/**
 * The bench runner talks to its child processes (fakes, bare proxy, load generator) over Node's IPC channel:
 * numbered commands out, one reply per command back. Kept tiny so the children carry no dependencies.
 */

/** A command from the runner to a child. */
export interface Command {
  id: number;
  type: string;
  [key: string]: unknown;
}

/** A child's answer to one command. */
export interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** What a child announces once it is listening. */
export interface ReadyMessage {
  type: 'ready';
  port?: number;
}

type Handler = (command: Command) => unknown;

/** Serves the runner's commands in a child; exits when the runner goes away so no child outlives a crashed bench. */
export function serveCommands(handlers: Record<string, Handler>): void {
  process.on('message', (message: Command) => {
    const handler = handlers[message.type];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${message.type}`);
        return handler(message);
      })
      .then(
        (result) => sendToRunner({ id: message.id, ok: true, result }),
        (error: unknown) => sendToRunner({ id: message.id, ok: false, error: String(error) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

/** Tells the runner the child is ready (and on which port, for servers). */
export function announceReady(port?: number): void {
  sendToRunner({ type: 'ready', port } satisfies ReadyMessage);
}

function sendToRunner(message: Reply | ReadyMessage): void {
  if (process.send) process.send(message);
}
