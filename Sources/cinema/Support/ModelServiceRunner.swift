import CinemaSpeech
import Foundation
import ServiceLifecycle

/// The model service's supervision as one of a command's services: it runs until the command
/// stops, and stops the service with it.
struct ModelServiceRunner: Service {
    let service: ModelService

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await service.supervise()
        }
    }
}

/// Runs `service` once the model service is ready, so that the first visitor is heard by
/// Whisper rather than by the stand-in; if it is not ready within `limit` (or cannot start),
/// says so and runs `service` anyway, with pocketsphinx hearing until it is.
struct StartsAfterModelService: Service {
    let service: any Service
    let models: ModelService
    var limit: Duration = .seconds(90)

    func run() async throws {
        let ready = await cancelWhenGracefulShutdown { await models.baseURL(within: limit) }
        if Task.isShuttingDownGracefully { return }
        if ready == nil {
            let state = await models.state
            Announcement.say(
                "The model service is not ready (\(state.name)\(state.reason.map { ": \($0)" } ?? "")); pocketsphinx hears visitors until it is."
            )
        }
        try await service.run()
    }
}
