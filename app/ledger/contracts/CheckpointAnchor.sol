// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title CheckpointAnchor
/// @notice Records transparency-log checkpoints (root hash, tree size) on chain.
/// The first write for a root wins: a later call with the same root changes nothing,
/// so a receipt can never be rewritten.
contract CheckpointAnchor {
    struct Anchor {
        uint64 size;
        uint64 blockNumber;
        uint64 timestamp;
        address submitter;
    }

    mapping(bytes32 => Anchor) private anchors;

    event Anchored(bytes32 indexed root, uint64 size, address indexed submitter);

    /// @notice Anchor a checkpoint; returns false when the root was already anchored.
    function anchor(bytes32 root, uint64 size) external returns (bool) {
        if (anchors[root].blockNumber != 0) {
            return false;
        }
        anchors[root] = Anchor(size, uint64(block.number), uint64(block.timestamp), msg.sender);
        emit Anchored(root, size, msg.sender);
        return true;
    }

    /// @notice The anchor recorded for a root; blockNumber is 0 when there is none.
    function anchorOf(bytes32 root)
        external
        view
        returns (uint64 size, uint64 blockNumber, uint64 timestamp, address submitter)
    {
        Anchor memory a = anchors[root];
        return (a.size, a.blockNumber, a.timestamp, a.submitter);
    }
}
