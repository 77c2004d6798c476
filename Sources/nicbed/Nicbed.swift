import ArgumentParser

@main
struct Nicbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nicbed",
        abstract: "A network testbed: each emulated host is a process running nicbed's TCP/IP stack on an emulated smart NIC; hosts exchange Ethernet frames in VXLAN over UDP.",
        discussion: """
        Typical session:
          nicbed up topologies/pair.yaml        start one process per node
          nicbed exec h1 ping -c 5 10.0.0.2     run a command inside a node
          nicbed status                         show the running nodes
          nicbed down                           stop them all

        Run state (control sockets, logs, captures) lives under $NICBED_RUN_ROOT/<topology name>
        (default /tmp/nicbed/<topology name>).
        """,
        subcommands: [Up.self, Down.self, Status.self, Exec.self, Node.self]
    )
}
