// Group commit for directory fsyncs: many blob files renamed into one directory need that
// directory fsync'd (house rule 7), but one fsync covers every rename that finished before it
// started. Callers that arrive while an fsync runs share the next one; callers that arrive
// before it starts share the current one. Directory descriptors stay open (bounded LRU), so a
// sync costs one thread-pool job, not an open, an fsync and a close.

import { close, constants, fsync, openSync, closeSync } from 'node:fs';

/** Most directory descriptors kept open. */
export const MAX_OPEN_DIRECTORIES = 256;

interface DirectoryState {
  fd: number;
  /** The fsync in flight, if any. */
  running: Promise<void> | undefined;
  /** The fsync queued behind it, shared by everyone who asked while it ran. */
  next: Promise<void> | undefined;
}

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

export class DirectorySyncer {
  private readonly directories = new Map<string, DirectoryState>();

  /** Resolves once every rename into `dir` that completed before the call is durable. */
  sync(dir: string): Promise<void> {
    const state = this.state(dir);
    if (!state.running) return this.start(state);
    // A sync is running, but it may have started before our rename: wait for the next one.
    state.next ??= state.running.then(
      () => this.start(state),
      () => this.start(state),
    );
    return state.next;
  }

  private start(state: DirectoryState): Promise<void> {
    state.next = undefined;
    const running = fsyncFd(state.fd).finally(() => {
      if (state.running === running) state.running = undefined;
    });
    state.running = running;
    return running;
  }

  private state(dir: string): DirectoryState {
    let state = this.directories.get(dir);
    if (state) {
      // Refresh its place in the LRU order.
      this.directories.delete(dir);
      this.directories.set(dir, state);
      return state;
    }
    if (this.directories.size >= MAX_OPEN_DIRECTORIES) this.evictIdle();
    state = { fd: openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY), running: undefined, next: undefined };
    this.directories.set(dir, state);
    return state;
  }

  private evictIdle(): void {
    for (const [dir, state] of this.directories) {
      if (state.running || state.next) continue;
      this.directories.delete(dir);
      close(state.fd, () => undefined);
      if (this.directories.size < MAX_OPEN_DIRECTORIES) return;
    }
  }

  /** Forgets a directory (it is being removed). */
  forget(prefix: string): void {
    for (const [dir, state] of this.directories) {
      if (!dir.startsWith(prefix) || state.running || state.next) continue;
      this.directories.delete(dir);
      closeSync(state.fd);
    }
  }

  close(): void {
    for (const state of this.directories.values()) closeSync(state.fd);
    this.directories.clear();
  }
}
