// The library's version.
internal import JourneyEngine

/// The version of the JourneyQL library (and of the `journey` command built with it), such as `0.3.0`.
///
/// The public API follows semantic versioning: while the major version is 0, a release that changes or removes
/// public API raises the minor version; additions raise the patch version.
public let journeyQLVersion: String = engineVersion
