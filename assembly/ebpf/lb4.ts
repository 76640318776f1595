// Cilium's lb4_key (cilium bpf/lib/lb.h) as three u32 words: address; dport | backend_slot << 16;
// proto | scope << 8 (the pad bytes zero). Slot 0 is the Service frontend, slots 1..count its backends.
// @ts-ignore: decorator
@inline export function lb4Key1(dport: u32, slot: u32): u32 {
  return (dport & 0xffff) | (slot << 16);
}

// @ts-ignore: decorator
@inline export function lb4Key2(proto: u32, scope: u32): u32 {
  return (proto & 0xff) | ((scope & 0xff) << 8);
}
