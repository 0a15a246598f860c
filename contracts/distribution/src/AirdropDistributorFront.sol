// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title AirdropDistributorFront
/// @notice The runtime code of every distributor clone the factory deploys. A clone's code is
///         this contract's runtime code followed by the implementation's address (20 bytes) and
///         the clone's packed parameters (126 bytes, the layout `AirdropDistributorClone` reads).
///         The claim of a distributor without vesting — most claims — runs here, in the clone's
///         own code: no `DELEGATECALL` to a cold implementation, parameters read with `CODECOPY`.
///         Every other call (vesting claims, signatures, clawback, views) is delegated to the
///         implementation as OpenZeppelin's minimal proxy does.
/// @dev The lean path does what `AirdropDistributorClone.claim` does for a distributor without
///      vesting, in the same order with the same errors and event: non-payable, calldata checked
///      as the ABI decoder does, window, bitmap (`_fullyClaimed`, storage slot 3 of the
///      implementation: EIP712's two fallback strings and Nonces' mapping come first), proof,
///      bit written before the transfer, `Claimed`, and `safeTransfer`'s checks. The forge clone
///      suites re-run every distributor test against clones with this code.
contract AirdropDistributorFront {
    /// `AirdropDistributorClone`'s `Claimed` event and errors (same signatures, same selectors).
    event Claimed(uint256 index, address account, uint256 amount);

    error ClaimNotStarted(uint64 start);
    error ClaimWindowClosed(uint64 deadline);
    error AlreadyClaimed(uint256 index);
    error InvalidProof();
    error SafeERC20FailedOperation(address token);

    fallback() external payable {
        // Only the successful claim runs here: any check that fails (value sent, calldata the
        // ABI decoder refuses, window, bit already set, bad proof) falls through to the
        // implementation, which refuses the call with the very error of `AirdropDistributorClone`
        // — nothing is written before the last check. Error paths pay a `DELEGATECALL`, the
        // success path none, and the code every deployment pays for stays short.
        assembly {
            // Code tail at 0x40: the implementation (20 bytes), then the args at 0x54: token(20)
            // root(32) start(8) deadline(8) clawbackTo(20) owner(20) unlockedBps(2) cliff(8)
            // duration(8).
            codecopy(0x40, sub(codesize(), 146), 146)
            let account := calldataload(0x24)
            let off := calldataload(0x64)
            let len := calldataload(add(4, off))
            // claim(uint256,address,uint256,bytes32[]) without vesting (duration 0), no value,
            // four head words, a clean address, the proof array inside the calldata, in the
            // claim window.
            if iszero(
                or(
                    or(
                        or(sub(shr(224, calldataload(0)), 0x2e7ba6ef), shr(192, mload(0xca))),
                        or(callvalue(), lt(calldatasize(), 0x84))
                    ),
                    or(
                        or(shr(160, account), or(gt(off, 0xffffffff), gt(len, 0xffffffff))),
                        or(
                            gt(add(add(0x24, off), shl(5, len)), calldatasize()),
                            or(lt(timestamp(), shr(192, mload(0x88))), iszero(lt(timestamp(), shr(192, mload(0x90)))))
                        )
                    )
                )
            ) {
                let index := calldataload(4)
                let amount := calldataload(0x44)
                // `_fullyClaimed` (slot 3) word of the index.
                mstore(0, shr(8, index))
                mstore(0x20, 3)
                let slot := keccak256(0, 0x40)
                let bits := sload(slot)
                let bit := shl(and(index, 0xff), 1)
                // Uniswap's leaf, then the sorted-pair proof hashed from calldata.
                mstore(0xe0, index)
                mstore(0x100, shl(96, account))
                mstore(0x114, amount)
                let h := keccak256(0xe0, 0x54)
                let p := add(0x24, off)
                for { let end := add(p, shl(5, len)) } lt(p, end) { p := add(p, 0x20) } {
                    let s := calldataload(p)
                    let swap := gt(h, s)
                    mstore(shl(5, swap), h)
                    mstore(shl(5, iszero(swap)), s)
                    h := keccak256(0, 0x40)
                }
                if iszero(or(and(bits, bit), sub(h, mload(0x68)))) {
                    // Effects before the transfer, so a re-entrant token cannot claim twice.
                    sstore(slot, or(bits, bit))
                    mstore(0xe0, index)
                    mstore(0x100, account)
                    mstore(0x120, amount)
                    // Claimed(uint256,address,uint256)
                    log1(0xe0, 0x60, 0x4ec90e965519d92681267467f775ada5bd214aa92c0dc93d90a5e880ce9ed026)
                    let tok := shr(96, mload(0x54))
                    // transfer(account, amount), the selector's 4 bytes at 0xdc.
                    mstore(0xc0, 0xa9059cbb)
                    mstore(0xe0, account)
                    mstore(0x100, amount)
                    let ok := call(gas(), tok, 0, 0xdc, 0x44, 0, 0x20)
                    // safeTransfer's rules: a revert is passed on; `false`, or no return data
                    // from an account without code, is SafeERC20FailedOperation(token).
                    if iszero(ok) {
                        returndatacopy(0, 0, returndatasize())
                        revert(0, returndatasize())
                    }
                    if iszero(and(eq(mload(0), 1), gt(returndatasize(), 0x1f))) {
                        if or(returndatasize(), iszero(extcodesize(tok))) {
                            mstore(0, 0x5274afe7)
                            mstore(0x20, tok)
                            revert(0x1c, 0x24)
                        }
                    }
                    mstore(0, amount)
                    return(0, 0x20)
                }
            }
            let impl := shr(96, mload(0x40))
            calldatacopy(0, 0, calldatasize())
            let r := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if r { return(0, returndatasize()) }
            revert(0, returndatasize())
        }
    }
}
