// Pass-through module for the bench baseline B: the SDK's default contexts (every callback
// answers Continue, nothing is read). The same host stack with this module instead of a plugin
// measures what the host and the ABI boundary cost, so it can be subtracted from plugin numbers.
import { RootContext, registerRootContext } from "../../assembly";

registerRootContext("passthrough", (id: u32): RootContext => new RootContext(id));
