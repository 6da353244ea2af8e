public import CinemaCore
import Foundation
public import NIOCore

extension ServerSentEvent {
    /// An event whose data is `value` encoded as the API encodes its bodies (`{}` should that
    /// ever fail).
    public init(event: String, id: String? = nil, json value: some Encodable) {
        let data = (try? JSONResponse.encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        self.init(id: id, event: event, data: data)
    }

    /// ``encoded``, ready for a response body's writer.
    public var buffer: ByteBuffer { ByteBuffer(string: encoded) }
}
