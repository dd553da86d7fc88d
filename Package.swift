// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "qcow-batch",
  products: [
    .executable(name: "qcow-batch", targets: ["QcowBatch"]),
    .library(name: "QcowCore", targets: ["QcowCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"])]
    ),
    .target(name: "QcowCore"),
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
