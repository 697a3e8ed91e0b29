import { BlockList, type Socket } from 'node:net';
import { addressRangeOf } from '../../lib/sources';

/**
 * A lab source's `allowedSenders` (addresses and CIDR ranges, validated by lib/sources.ts) as a
 * node:net BlockList, used here as the set of addresses let in.
 */
export function senderAllowList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const range = addressRangeOf(entry);
    if (!range) throw new Error('allowedSenders holds an entry that is not an address or CIDR range');
    list.addSubnet(range.address, range.prefix, range.family);
  }
  return list;
}

/**
 * Whether the peer is on the list. A listener on "::" sees IPv4 peers as IPv4-mapped IPv6
 * (::ffff:10.1.2.3); BlockList matches those against IPv4 ranges.
 */
export function isAllowedSender(list: BlockList, socket: Pick<Socket, 'remoteAddress' | 'remoteFamily'>): boolean {
  const address = socket.remoteAddress;
  if (!address) return false;
  return list.check(address, socket.remoteFamily === 'IPv6' ? 'ipv6' : 'ipv4');
}
