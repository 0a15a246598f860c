// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {AirdropDistributorClone} from "./AirdropDistributorClone.sol";
import {AirdropDistributorFront} from "./AirdropDistributorFront.sol";

/// @title AirdropDistributorFactory
/// @notice Deploys claim distributors as clones of one `AirdropDistributorClone` with their
///         parameters as immutable args, at CREATE2 addresses that are a pure function of
///         (this factory, parameters, salt): a bundle can state its distributor's address before
///         it is deployed, and anyone can check that the code there is the one expected.
/// @dev Meant to be deployed itself through the well-known CREATE2 deployer
///      (0x4e59b44847b379578588920ca78fbf26c0b4956c) with a zero salt, so it has the same address
///      on every chain; its constructor takes no arguments and reads no caller for that reason.
///      The implementation is created by the factory's constructor (the factory's nonce 1).
///      A clone's code is `AirdropDistributorFront`'s runtime code, the implementation's address
///      and the 126 bytes of args; its init code is OpenZeppelin's 10-byte prefix that returns
///      the rest (`PUSH2 len RETURNDATASIZE DUP2 PUSH1 0x0a RETURNDATASIZE CODECOPY RETURN`).
contract AirdropDistributorFactory {
    uint256 private constant BPS = 10_000;

    /// @notice The code every clone runs.
    address public immutable implementation;

    /// A distributor's parameters; the same meaning as `AirdropDistributor`'s constructor.
    struct Params {
        address token;
        bytes32 merkleRoot;
        uint64 start;
        uint64 deadline;
        address clawbackTo;
        address owner;
        uint16 unlockedBps;
        uint64 cliff;
        uint64 duration;
    }

    /// @notice A distributor was deployed at `distributor` for `merkleRoot` and `token`.
    event DistributorDeployed(
        address indexed distributor, bytes32 indexed merkleRoot, address indexed token, address owner, bytes32 salt
    );

    error ZeroAddress();
    error ZeroRoot();
    error InvalidWindow(uint64 start, uint64 deadline);
    error InvalidVesting();
    error VestingEndsAfterDeadline(uint256 vestingEnd, uint64 deadline);
    /// Same selector as OpenZeppelin's `Ownable`, which the full contract's constructor raises.
    error OwnableInvalidOwner(address owner);

    constructor() {
        implementation = address(new AirdropDistributorClone());
    }

    /// @notice Deploys the distributor of `p` with `salt` (reverts if that one already exists).
    /// @dev The same checks as `AirdropDistributor`'s constructor, with the same errors.
    /// @return distributor The clone, to be funded by a plain token transfer.
    function deploy(Params calldata p, bytes32 salt) external returns (address distributor) {
        _validate(p);
        bytes memory init = _initCode(p);
        assembly ("memory-safe") {
            distributor := create2(0, add(init, 0x20), mload(init), salt)
        }
        if (distributor == address(0)) revert Errors.FailedDeployment();
        emit DistributorDeployed(distributor, p.merkleRoot, p.token, p.owner, salt);
    }

    /// @notice Where `deploy(p, salt)` puts (or put) its distributor.
    function predict(Params calldata p, bytes32 salt) external view returns (address) {
        bytes32 h = keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, keccak256(_initCode(p))));
        return address(uint160(uint256(h)));
    }

    /// The init code of the clone of `p`: the prefix that returns the runtime, then the runtime.
    function _initCode(Params calldata p) private view returns (bytes memory) {
        bytes memory runtime = abi.encodePacked(type(AirdropDistributorFront).runtimeCode, implementation, _args(p));
        return abi.encodePacked(hex"61", uint16(runtime.length), hex"3d81600a3d39f3", runtime);
    }

    /// @notice The immutable args of `p` as the clone reads them (126 bytes).
    function args(Params calldata p) external pure returns (bytes memory) {
        return _args(p);
    }

    function _args(Params calldata p) private pure returns (bytes memory) {
        return abi.encodePacked(
            p.token, p.merkleRoot, p.start, p.deadline, p.clawbackTo, p.owner, p.unlockedBps, p.cliff, p.duration
        );
    }

    function _validate(Params calldata p) private pure {
        if (p.owner == address(0)) revert OwnableInvalidOwner(address(0));
        if (p.token == address(0) || p.clawbackTo == address(0)) revert ZeroAddress();
        // A zero root is what an unset or mis-parsed root looks like; no real tree has one.
        if (p.merkleRoot == bytes32(0)) revert ZeroRoot();
        if (p.start >= p.deadline) revert InvalidWindow(p.start, p.deadline);
        if (p.unlockedBps > BPS || p.cliff > p.duration) revert InvalidVesting();
        if (p.duration == 0 && p.unlockedBps != BPS) revert InvalidVesting();
        // Recipients must be able to claim everything before the window closes.
        if (p.duration != 0 && uint256(p.start) + p.duration > p.deadline) {
            revert VestingEndsAfterDeadline(uint256(p.start) + p.duration, p.deadline);
        }
    }
}
