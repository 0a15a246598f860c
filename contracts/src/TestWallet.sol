// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title TestWallet
/// @notice A contract wallet for tests only: like a multisig with a threshold of one, it
/// accepts (EIP-1271) a signature by any of its owners over a hash. Tests use it as the signer
/// of an announcement, to check verification through `isValidSignature`.
contract TestWallet {
    mapping(address => bool) public isOwner;

    constructor(address[] memory owners) {
        for (uint256 i = 0; i < owners.length; ++i) {
            isOwner[owners[i]] = true;
        }
    }

    /// @notice EIP-1271: the magic value when an owner signed `hash`, 0xffffffff otherwise.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && isOwner[signer]) {
            return 0x1626ba7e;
        }
        return 0xffffffff;
    }
}
