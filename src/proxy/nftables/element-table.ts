// The elements of one verdict map kept host-side (key → verdict id), as nf_tables keeps a set's
// elements by their whole key (linux net/netfilter/nft_set_hash.c compares the key's bytes): ipv4_addr .
// inet_proto . inet_service is 32 + 8 + 16 = 56 bits, more than a double holds exactly, so the key is
// the address, then protocol and port in 24 bits, two levels deep: no two keys ever share an entry.
export class ElementTable {
  private readonly byAddr = new Map<number, Map<number, number>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(addr: number, proto: number, port: number): number | undefined {
    return this.byAddr.get(addr)?.get(protoPort(proto, port));
  }

  set(addr: number, proto: number, port: number, value: number): void {
    let m = this.byAddr.get(addr);
    if (!m) this.byAddr.set(addr, (m = new Map()));
    const k = protoPort(proto, port);
    if (!m.has(k)) this.count++;
    m.set(k, value);
  }

  delete(addr: number, proto: number, port: number): boolean {
    const m = this.byAddr.get(addr);
    if (!m?.delete(protoPort(proto, port))) return false;
    if (m.size === 0) this.byAddr.delete(addr);
    this.count--;
    return true;
  }

  *values(): IterableIterator<number> {
    for (const m of this.byAddr.values()) yield* m.values();
  }
}

/** Protocol (0..255) and port (0..65535) in 24 bits. */
function protoPort(proto: number, port: number): number {
  if (
    !(Number.isInteger(proto) && proto >= 0 && proto <= 255 && Number.isInteger(port) && port >= 0 && port <= 65535)
  ) {
    throw new RangeError(`element key out of range: protocol ${proto} (0..255), port ${port} (0..65535)`);
  }
  return proto * 65536 + port;
}
