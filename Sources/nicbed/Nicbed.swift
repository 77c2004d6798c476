import ArgumentParser

@main
struct Nicbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nicbed",
        abstract: "A network testbed: each emulated host is a process running nicbed's TCP/IP stack on an emulated smart NIC; hosts exchange Ethernet frames in VXLAN over UDP.",
        discussion: """
        First: `nicbed demo` (a file copied across a router on smart and conventional NICs).

        Typical session:
          nicbed up topologies/line3.yaml       start one process per node
          nicbed pingall                        every host pings every host
          nicbed exec h1 ping -c 5 10.0.2.1     run a command inside a node
          nicbed cp big.bin h1:/big.bin         put a file on h1's disk
          nicbed cp h1:/big.bin h2:/big.bin     copy it to h2 over the emulated network
          nicbed link set r1:eth1 loss 5%       impair what r1 sends on eth1
          nicbed capture -w - h1:eth0 | tshark -r -    watch h1's eth0 live
          nicbed web                            a live page of it all, and /metrics
          nicbed stats                          NIC figures of every port
          nicbed status                         show the running nodes
          nicbed test scenarios/                run scenario files (faults, checks)
          nicbed down                           stop them all

        Under docker compose: `nicbed up --docker FILE` (one container per node; the image comes from \
        docker/build-offline), or `nicbed compose FILE -o compose.yaml` for `docker compose -f \
        compose.yaml up`.

        Shell completions: `nicbed --generate-completion-script bash` (or zsh, fish); README's         "Shell completions" says where to put the script.

        Run state (control sockets, logs, captures) lives under $NICBED_RUN_ROOT/<topology name> \
        (default /tmp/nicbed/<topology name>).
        """,
        subcommands: [Demo.self, Up.self, Down.self, Status.self, Exec.self, Copy.self, PingAllCommand.self, Stats.self, Link.self,
                      Capture.self, WebCommand.self, Logs.self, Graph.self, Compose.self, TestCommand.self, SoakCommand.self, BenchCommand.self, Node.self, BenchTunnel.self, Probe.self, LinuxContainerCommand.self]
    )
}
