// Rebuild CheckpointAnchor.json from CheckpointAnchor.sol with the npm package solc@0.8.37:
//   npm install --prefix /tmp/solc solc@0.8.37
//   NODE_PATH=/tmp/solc/node_modules node app/ledger/contracts/compile.js
// The output must be byte-identical to the committed artifact.
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const EVM_VERSION = "cancun";
const here = __dirname;
const source = fs.readFileSync(path.join(here, "CheckpointAnchor.sol"), "utf8");
const input = {
  language: "Solidity",
  sources: { "CheckpointAnchor.sol": { content: source } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: EVM_VERSION,
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  errors.forEach((e) => console.error(e.formattedMessage));
  process.exit(1);
}
const contract = output.contracts["CheckpointAnchor.sol"].CheckpointAnchor;
const artifact = {
  contractName: "CheckpointAnchor",
  compiler: { name: "solc", version: solc.version(), evmVersion: EVM_VERSION, optimizer: input.settings.optimizer },
  sourceSha256: require("crypto").createHash("sha256").update(source).digest("hex"),
  abi: contract.abi,
  bytecode: "0x" + contract.evm.bytecode.object,
  deployedBytecode: "0x" + contract.evm.deployedBytecode.object,
};
fs.writeFileSync(path.join(here, "CheckpointAnchor.json"), JSON.stringify(artifact, null, 2) + "\n");
console.log(`compiled with solc ${artifact.compiler.version}`);
