// Change events: published inside the transaction that makes the change and delivered to
// listeners only after it commits. SQLite delivers in-process (one process owns the data
// directory); PostgreSQL uses NOTIFY, which the database delivers on commit to every node
// (postgres/notify.ts), this one included.

import type { ChangeEvent } from '../api.ts';
import type { SqlTransaction } from './driver.ts';

export interface ChangePublisher {
  publish(tx: SqlTransaction, event: ChangeEvent): Promise<void>;
  subscribe(listener: (event: ChangeEvent) => void): () => void;
  close(): Promise<void>;
}

/** A listener set that survives a throwing listener. */
export class Listeners {
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  private readonly onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = () => undefined) {
    this.onError = onError;
  }

  add(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ChangeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

/** In-process delivery after commit (SQLite). */
export class LocalPublisher implements ChangePublisher {
  private readonly listeners = new Listeners();

  async publish(tx: SqlTransaction, event: ChangeEvent): Promise<void> {
    tx.afterCommit(() => this.listeners.emit(event));
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {}
}
