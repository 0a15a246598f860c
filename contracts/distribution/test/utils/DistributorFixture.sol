// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DistributorDeployer} from "./DistributorDeployer.sol";
import {MerkleBuilder} from "./MerkleBuilder.sol";
import {AirdropDistributor} from "../../src/AirdropDistributor.sol";
import {MockERC20} from "../mocks/Mocks.sol";

abstract contract DistributorFixture is DistributorDeployer {
    uint64 internal constant START = 1_800_000_000;
    uint64 internal constant DEADLINE = START + 400 days;

    MockERC20 internal token;
    address internal owner = address(0x0A11CE);
    address internal treasury = address(0x7EA5);

    address[] internal accounts;
    uint256[] internal amounts;
    bytes32[] internal leaves;
    bytes32 internal root;

    /// A tree of `n` recipients with distinct, uneven amounts (odd sizes exercise promoted nodes).
    function _makeTree(uint256 n) internal {
        delete accounts;
        delete amounts;
        delete leaves;
        for (uint256 i; i < n; ++i) {
            accounts.push(address(uint160(0xA000 + i)));
            amounts.push((i + 1) * 1e18 + i * 7919 + 1);
            leaves.push(MerkleBuilder.leaf(i, accounts[i], amounts[i]));
        }
        root = MerkleBuilder.root(leaves);
    }

    function _total() internal view returns (uint256 t) {
        for (uint256 i; i < amounts.length; ++i) {
            t += amounts[i];
        }
    }

    function _deploy(uint16 bps, uint64 cliff, uint64 duration) internal returns (AirdropDistributor d) {
        if (address(token) == address(0)) token = new MockERC20();
        d = _new(token, root, START, DEADLINE, treasury, owner, bps, cliff, duration);
        token.mint(address(d), _total());
    }

    function _proof(uint256 i) internal view returns (bytes32[] memory) {
        return MerkleBuilder.proof(leaves, i);
    }
}
