import HTTPTypes
import Hummingbird
import NIOCore

/// Who may see and who may change what (`nicbed web`):
/// - a client on loopback sees the page, the live figures and /metrics without a token;
/// - any other client needs the token for everything (401 without it);
/// - every control (POST) needs the token, from loopback too. The page puts it in the requests
///   it makes; another site open in the same browser cannot read the page, so it cannot forge
///   them.
/// - a request without the token must name the server by an IP address or localhost in Host:
///   a name that resolves to 127.0.0.1 (DNS rebinding) does not make a foreign page local.
/// The token comes as `Authorization: Bearer T`, `X-Nicbed-Token: T`, or `?token=T` (the
/// websocket, which a browser opens without headers of its own).
struct AccessMiddleware<Context: WebContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.authenticated = Self.presentedToken(request) == token
        let local = context.remoteAddress.map(Self.isLoopback) ?? false
        if context.authenticated { return try await next(request, context) }
        guard local else { return Self.refuse(.unauthorized, "this nicbed web needs its token from a client that is not on loopback: Authorization: Bearer TOKEN, or ?token=TOKEN\n") }
        guard Self.hostIsLiteral(request.head.authority ?? "") else {
            return Self.refuse(.forbidden, "Host must be an IP address or localhost without the token\n")
        }
        guard request.method == .get || request.method == .head else {
            return Self.refuse(.unauthorized, "controls need the token (the page sends it; scripts: X-Nicbed-Token: TOKEN)\n")
        }
        return try await next(request, context)
    }

    static func presentedToken(_ request: Request) -> String? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") { return String(header.dropFirst(7)) }
        if let header = request.headers[HTTPField.Name("X-Nicbed-Token")!] { return header }
        return request.uri.queryParameters["token"].map(String.init)
    }

    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4: return address.ipAddress?.hasPrefix("127.") ?? false
        case .v6:
            guard let ip = address.ipAddress else { return false }
            return ip == "::1" || ip.hasPrefix("::ffff:127.")
        case .unixDomainSocket: return true
        }
    }

    /// "127.0.0.1:8080", "[::1]:8080", "localhost:8080", "10.1.2.3" are literal; "evil.example" is not.
    static func hostIsLiteral(_ host: String) -> Bool {
        if host.hasPrefix("[") { return true }
        let name = host.split(separator: ":").first.map(String.init) ?? ""
        if name == "localhost" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    static func refuse(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .wwwAuthenticate: "Bearer"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
