/// A runtime failure: ArgumentParser prints its text as `Error: …` and exits 1, without the
/// usage block that belongs to mistakes in the command line itself.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
