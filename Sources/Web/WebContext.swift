import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// What every request of `nicbed web` carries: the client's address (for the access rules)
/// and whether it presented the token.
protocol WebContext: RequestContext, RemoteAddressRequestContext {
    var authenticated: Bool { get set }
}

struct WebRequestContext: WebContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<WebRequestContext>
    let remoteAddress: SocketAddress?
    var authenticated = false

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}
