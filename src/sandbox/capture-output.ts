// Bounded capture of a command's output stream: keeps the head and the tail (where errors usually
// are) within a byte cap and counts what was dropped in between, so a command printing 1 GB costs
// a few MB of memory.

export class CappedOutput {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(private readonly capBytes: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headRoom = Math.floor(this.capBytes / 2) - this.headBytes;
    if (headRoom > 0) {
      const part = chunk.subarray(0, headRoom);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const tailCap = this.capBytes - Math.floor(this.capBytes / 2);
    while (this.tailBytes - (this.tail[0]?.length ?? 0) >= tailCap) this.tailBytes -= this.tail.shift()!.length;
  }

  get droppedBytes(): number {
    return this.total - this.keptBytes();
  }

  private keptBytes(): number {
    const tailCap = this.capBytes - Math.floor(this.capBytes / 2);
    return this.headBytes + Math.min(this.tailBytes, tailCap);
  }

  text(): string {
    const tailCap = this.capBytes - Math.floor(this.capBytes / 2);
    let tail = Buffer.concat(this.tail);
    if (tail.length > tailCap) tail = tail.subarray(tail.length - tailCap);
    const head = Buffer.concat(this.head).toString('utf8');
    const dropped = this.droppedBytes;
    return dropped > 0
      ? `${head}\n[... ${dropped} bytes dropped by the output cap ...]\n${tail.toString('utf8')}`
      : head + tail.toString('utf8');
  }
}
