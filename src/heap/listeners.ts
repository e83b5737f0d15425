/**
 * Event dispatch for the Heap facade. A listener runs in the middle of an allocator
 * operation, where the heap's structures may be half-updated (a block unlinked, not
 * yet linked elsewhere). If its exception unwound through the allocator, the heap would
 * be left that way. So each listener is called inside a try: its exception is handed
 * to `onThrow`, the other listeners still see the event, and the operation completes;
 * the facade throws a ListenerError once the outermost call returns.
 */
import type { HeapEvent, HeapEventListener } from '../base/types.js';

/** What a listener threw, and on which event. */
export interface ListenerFault {
  readonly event: string;
  readonly error: unknown;
}

/** One function for the policy to call with every event: all `listeners`, each guarded. */
export function dispatcher(listeners: readonly HeapEventListener[], onThrow: (event: HeapEvent, error: unknown) => void): HeapEventListener {
  if (listeners.length === 1) {
    const only = listeners[0] as HeapEventListener;
    return (event) => {
      try {
        only(event);
      } catch (error) {
        onThrow(event, error);
      }
    };
  }
  return (event) => {
    // a copy: a listener may unsubscribe itself (or another) while the event is delivered
    for (const listener of listeners.slice()) {
      try {
        listener(event);
      } catch (error) {
        onThrow(event, error);
      }
    }
  };
}
