// Chain names from hashes: iptables' portProtoHash and servicePortEndpointChainName
// (kubernetes pkg/proxy/iptables/proxier.go: first 16 chars of base32(sha256(...)), since iptables
// chain names must be <= 28 chars) and nftables' hashAndTruncate (pkg/proxy/nftables/proxier.go:
// 8 chars of the hash, "-", then the readable name, at most 240 chars).
import { createHash } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; // RFC 4648 base32 (Go's base32.StdEncoding)

/** The first chars characters of base32(sha256(s)); chars <= 51. */
export function hashBase32(s: string, chars: number): string {
  const d = createHash("sha256").update(s).digest();
  let out = "";
  let bits = 0,
    acc = 0;
  for (let i = 0; out.length < chars; i++) {
    acc = (acc << 8) | d[i];
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** portProtoHash(servicePortName, protocol). */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return hashBase32(servicePortName + protocol, 16);
}

/** KUBE-SVC-…, KUBE-EXT-…: prefix + portProtoHash. */
export function serviceChainName(
  prefix: "KUBE-SVC-" | "KUBE-EXT-" | "KUBE-SVL-" | "KUBE-FW-",
  servicePortName: string,
  protocol: string,
): string {
  return prefix + portProtoHash(servicePortName, protocol);
}

/** KUBE-SEP-…: sha256 of service port name, protocol and "ip:port". */
export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return "KUBE-SEP-" + hashBase32(servicePortName + protocol + endpoint, 16);
}

const NFT_CHAIN_BASE_MAX = 240;

/** hashAndTruncate: "HASH8-name", cut to 240 characters with "..." (never needed for valid names). */
export function hashAndTruncate(name: string): string {
  const s = hashBase32(name, 8) + "-" + name;
  return s.length > NFT_CHAIN_BASE_MAX ? s.slice(0, NFT_CHAIN_BASE_MAX - 3) + "..." : s;
}

/** servicePortChainNameBase: "HASH-namespace/name/protocol/port". */
export function nftServiceChainBase(namespace: string, name: string, protocol: string, portName: string): string {
  return hashAndTruncate(`${namespace}/${name}/${protocol}/${portName}`);
}

/** servicePortEndpointChainNameBase: "HASH-namespace/name/protocol/port__ip/port". */
export function nftEndpointChainBase(
  namespace: string,
  name: string,
  protocol: string,
  portName: string,
  ip: string,
  port: number,
): string {
  return hashAndTruncate(`${namespace}/${name}/${protocol}/${portName}__${ip}/${port}`);
}
