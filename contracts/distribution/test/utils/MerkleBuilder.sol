// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Builds sorted-pair Merkle trees (odd node promoted) over Uniswap-format leaves inside tests,
/// so fuzzed trees need no off-chain tooling. Layout differs from the CLI's (which sorts leaves
/// by hash) but any sorted-pair tree verifies the same way on chain.
library MerkleBuilder {
    function leaf(uint256 index, address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(index, account, amount));
    }

    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        require(leaves.length > 0, "empty tree");
        bytes32[] memory layer = leaves;
        while (layer.length > 1) layer = _up(layer);
        return layer[0];
    }

    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory out) {
        bytes32[] memory buf = new bytes32[](256);
        uint256 depth;
        bytes32[] memory layer = leaves;
        while (layer.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < layer.length) buf[depth++] = layer[sibling];
            layer = _up(layer);
            index >>= 1;
        }
        out = new bytes32[](depth);
        for (uint256 i; i < depth; ++i) {
            out[i] = buf[i];
        }
    }

    function _up(bytes32[] memory layer) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((layer.length + 1) / 2);
        for (uint256 i; i < layer.length; i += 2) {
            next[i / 2] = i + 1 < layer.length ? _pair(layer[i], layer[i + 1]) : layer[i];
        }
    }

    function _pair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }
}
