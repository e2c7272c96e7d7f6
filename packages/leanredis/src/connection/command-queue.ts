// @layer L3 connection
/**
 * The queue of a connection's accepted, unwritten commands, keeping their total estimated size
 * (for maxQueuedBytes and stats) in step with every way in and out.
 */
import { RingQueue } from '../internal/ring-queue.js';
import type { PendingCommand } from './pending-command.js';

export class CommandQueue extends RingQueue<PendingCommand> {
  /** Sum of the queued commands' `bytes`. */
  bytes = 0;

  override push(cmd: PendingCommand): void {
    super.push(cmd);
    this.bytes += cmd.bytes;
  }

  override unshift(cmd: PendingCommand): void {
    super.unshift(cmd);
    this.bytes += cmd.bytes;
  }

  override shift(): PendingCommand | undefined {
    const cmd = super.shift();
    if (cmd !== undefined) this.bytes -= cmd.bytes;
    return cmd;
  }

  override retain(keep: (cmd: PendingCommand) => boolean): void {
    super.retain(keep);
    let bytes = 0;
    for (let i = 0; i < this.length; i++) bytes += this.at(i)!.bytes;
    this.bytes = bytes;
  }

  override drain(): PendingCommand[] {
    this.bytes = 0;
    return super.drain();
  }
}
