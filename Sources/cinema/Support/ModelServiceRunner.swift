import CinemaSpeech
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
