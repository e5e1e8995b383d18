#!/usr/bin/env bash
# Two hosts' network stacks on one machine, for bench/ft.sh kv --netns: network namespaces lockstep-a
# (10.99.0.2) and lockstep-b (10.99.0.3), each with a veth to the bridge lockstep-br (10.99.0.1) in this
# namespace, where the clients and the arbiter run. Needs root and iproute2.
# Usage: bench/netns.sh up | down
set -euo pipefail
case "${1:-}" in
  up)
    "$0" down 2>/dev/null || true
    ip link add lockstep-br type bridge
    ip addr add 10.99.0.1/24 dev lockstep-br
    ip link set lockstep-br up
    for h in a:2 b:3; do
      n=${h%%:*} i=${h##*:}
      ip netns add lockstep-$n
      ip link add lockstep-$n type veth peer name eth0 netns lockstep-$n
      ip link set lockstep-$n master lockstep-br up
      ip -n lockstep-$n addr add 10.99.0.$i/24 dev eth0
      ip -n lockstep-$n link set eth0 up
      ip -n lockstep-$n link set lo up
    done
    ;;
  down)
    for n in a b; do ip netns del lockstep-$n 2>/dev/null || true; done
    ip link del lockstep-br 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
