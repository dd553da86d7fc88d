// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "qcow-batch",
  products: [
    .executable(name: "qcow-batch", targets: ["QcowBatch"]),
    .library(name: "QcowCore", targets: ["QcowCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    .systemLibrary(
      name: "CYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"])]
    ),
    .systemLibrary(
      name: "CZlib",
      pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]
    ),
    .systemLibrary(
      name: "CZstd",
      pkgConfig: "libzstd",
      providers: [.apt(["libzstd-dev"])]
    ),
    .target(name: "QcowCore", dependencies: ["CZlib", "CZstd"]),
    .executableTarget(
      name: "QcowBatch",
      dependencies: [
        "QcowCore",
        "CYAML",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "QcowBatchTests",
      dependencies: ["QcowBatch", "QcowCore"],
      exclude: ["Fixtures"]
    ),
    .testTarget(name: "QcowCoreTests", dependencies: ["QcowCore"]),
  ]
)
